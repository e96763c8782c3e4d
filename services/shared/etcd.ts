import { Etcd3 } from 'etcd3';

/**
 * A client for one etcd cluster (any member may answer; etcd forwards writes
 * to its leader). Every unary call is bounded by `callTimeoutMs`: a member
 * that does not answer in time fails the call, and the client's retry goes
 * to another member (etcd3's default policy: three tries, and a member that
 * failed three times in a row is skipped for 5 s). Streams (watches,
 * keepalives) have no deadline here: their callers bound them.
 */
export function createEtcd(endpoints: string[], callTimeoutMs: number): Etcd3 {
  return new Etcd3({
    hosts: endpoints,
    dialTimeout: callTimeoutMs,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
  });
}
