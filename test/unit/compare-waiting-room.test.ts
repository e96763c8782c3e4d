import { describe, expect, it } from 'vitest';
import type { WaitingRoomDigest } from '../../load-tests/compare/digests.js';
import { renderHtml } from '../../load-tests/compare/render-html.js';
import { renderMarkdown } from '../../load-tests/compare/render-markdown.js';
import { waitingRoomCheck, waitingRoomRows } from '../../load-tests/compare/waiting-room.js';
import { sampleReport } from '../helpers/sample-report.js';

const report = sampleReport();
const run = report.waitingRoom as NonNullable<typeof report.waitingRoom>;
const room = run.room.digest as WaitingRoomDigest;
const withRoom = (change: Partial<WaitingRoomDigest>) => ({ waitingRoom: { ...run, room: { digest: { ...room, ...change }, failure: null } } });

describe('the waiting-room phase in the compare report', () => {
  it('passes when both modes gave every buyer a final answer and oversold nothing', () => {
    expect(waitingRoomCheck(report)).toMatchObject([{ ok: true }]);
  });

  it('fails on an oversell, a buyer left without an answer, an unexpected answer, or outcomes that do not add up', () => {
    expect(waitingRoomCheck(withRoom({ oversoldUnits: 1 }))[0]).toMatchObject({ ok: false, detail: 'room: oversold 1' });
    expect(waitingRoomCheck(withRoom({ gaveUp: 2, soldOut: room.soldOut - 2 }))[0]?.detail).toBe('room: 2 buyers without a final answer');
    expect(waitingRoomCheck(withRoom({ errors: 1, soldOut: room.soldOut - 1 }))[0]?.detail).toBe('room: 1 unexpected answers');
    expect(waitingRoomCheck(withRoom({ bought: room.bought - 1 }))[0]?.detail).toBe(`room: ${room.buyers} buyers but ${room.buyers - 1} outcomes`);
    expect(waitingRoomCheck({ waitingRoom: { ...run, direct: { digest: null, failure: 'k6 exit 99' } } })[0]).toMatchObject({ ok: false, detail: 'direct: k6 exit 99' });
    expect(waitingRoomCheck({ waitingRoom: null })).toEqual([]);
  });

  it('prints both modes side by side in report.md and report.html', () => {
    const rows = waitingRoomRows(room, run.direct.digest);
    expect(rows.find(([label]) => label === 'bought')?.slice(1, 3)).toEqual(['300', '300']);
    expect(renderMarkdown(report)).toContain('**Waiting room** (pg-atomic');
    const page = renderHtml(report);
    expect(page).toContain('id="waiting-room"');
    expect(page).toContain('<th scope="col">no room</th>');
  });
});
