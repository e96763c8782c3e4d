import fp from 'fastify-plugin';
import { findLineSettings } from '../../../../db/queries/skus.js';
import { admissionSecret } from '../../../waiting-room/admission-token.js';
import { WaitingRoom } from '../../../waiting-room/line.js';
import { type RoomSettings, RoomSettingsCache } from '../../../waiting-room/room-settings.js';
import { roomCopyKey } from '../../../waiting-room/keys.js';
import { classifyDependencyFailure } from '../../../shared/dependency-errors.js';
import { defineLineScripts } from '../../../waiting-room/scripts.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every SKU's waiting room (services/waiting-room/). */
    waitingRoom: WaitingRoom;
    /** Which SKUs have one, read once per SKU per process. */
    rooms: RoomSettingsCache;
    /** ADMISSION_SECRET (or derived): the admission tokens' key. */
    admissionSecret: Buffer;
  }
}

export default fp(
  async (fastify) => {
    const { config } = fastify;
    defineLineScripts(fastify.redis);
    const secret = admissionSecret(config);
    const room = new WaitingRoom({
      redis: fastify.redis,
      secret,
      p95TargetMs: config.WAITING_ROOM_P95_MS,
      auto: { start: config.WAITING_ROOM_AUTO_START, least: config.WAITING_ROOM_AUTO_LEAST, most: config.WAITING_ROOM_AUTO_MOST },
      onReportFailed: (error) => fastify.log.debug({ err: error }, 'waiting room: a report to Redis failed'),
    });
    fastify.decorate('waitingRoom', room);
    const readCopy = async (sku: string): Promise<RoomSettings | null> => {
      const copy = await fastify.redis.get(roomCopyKey(sku));
      return copy === null ? null : (JSON.parse(copy) as RoomSettings);
    };
    const isOutage = (error: unknown): boolean => classifyDependencyFailure(error) !== undefined;
    fastify.decorate('rooms', new RoomSettingsCache((sku) => findLineSettings(fastify.db, sku), readCopy, isOutage));
    fastify.decorate('admissionSecret', secret);
    fastify.addHook('preClose', async () => room.stop());
  },
  { name: 'waiting-room', dependencies: ['infrastructure'] },
);
