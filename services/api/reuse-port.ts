// Where Node's listen({ reusePort }) spreads connections over the processes
// that share a port (SO_REUSEPORT with load balancing, per Node's docs). Elsewhere
// (macOS, Windows) `npm start` runs N API processes through node:cluster instead.
const withReusePort: readonly NodeJS.Platform[] = ['linux', 'freebsd', 'sunos', 'aix'];

export function platformHasReusePort(platform: NodeJS.Platform = process.platform): boolean {
  return withReusePort.includes(platform);
}
