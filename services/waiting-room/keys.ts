import type { RoomSettings } from './room-settings.js';
import { keyPrefix } from '../shared/redis-keys.js';

// A line's keys share one hash tag, {line:<sku>}, so its script runs on one
// Redis Cluster slot; SKU codes have no braces (schemas/purchase.ts), so the
// tag is the whole of it. Lines of different SKUs spread over the slots.
export function lineKeys(sku: string): [state: string, order: string, tickets: string, users: string, admitted: string, soldOut: string] {
  const base = `${keyPrefix}:{line:${sku}}`;
  return [`${base}:state`, `${base}:order`, `${base}:tickets`, `${base}:users`, `${base}:admitted`, `${base}:sold-out`];
}

/**
 * The SKU's room as set at its creation, copied to Redis beside the line
 * (JSON, or "none"), so a purchase can learn it from either store
 * (room-settings.ts). Never expires: a room never changes.
 */
export function roomCopyKey(sku: string): string {
  return `${keyPrefix}:{line:${sku}}:room`;
}

export function roomCopyValue(room: RoomSettings | null): string {
  return room === null ? 'none' : JSON.stringify(room);
}

/** The copy's room (null: none), undefined when there is no copy. */
export function parseRoomCopy(value: string | null): RoomSettings | null | undefined {
  if (value === null) return undefined;
  return value === 'none' ? null : (JSON.parse(value) as RoomSettings);
}
