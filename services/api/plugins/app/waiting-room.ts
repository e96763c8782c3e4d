import fp from 'fastify-plugin';
import { findLineSettings } from '../../../../db/queries/skus.js';
import { admissionSecret } from '../../../waiting-room/admission-token.js';
import { WaitingRoom } from '../../../waiting-room/line.js';
import { RoomSettingsCache } from '../../../waiting-room/room-settings.js';
import { parseRoomCopy, roomCopyKey, roomCopyValue } from '../../../waiting-room/keys.js';
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
      // Every wait of a purchase ends PURCHASE_WAIT_MS after it arrived; a second for its answer to be reported.
      graceMs: config.PURCHASE_WAIT_MS + 1000,
      onReportFailed: (error) => fastify.log.debug({ err: error }, 'waiting room: a report to Redis failed'),
    });
    fastify.decorate('waitingRoom', room);
    fastify.decorate(
      'rooms',
      new RoomSettingsCache({
        read: (sku) => findLineSettings(fastify.db, sku),
        readCopy: async (sku) => parseRoomCopy(await fastify.redis.get(roomCopyKey(sku))),
        writeCopy: (sku, found) => {
          fastify.redis.set(roomCopyKey(sku), roomCopyValue(found), 'NX').catch((error: unknown) => fastify.log.debug({ err: error, sku }, 'waiting room: a room copy was not put back'));
        },
      }),
    );
    fastify.decorate('admissionSecret', secret);
    fastify.addHook('preClose', async () => room.stop());
  },
  { name: 'waiting-room', dependencies: ['infrastructure'] },
);
