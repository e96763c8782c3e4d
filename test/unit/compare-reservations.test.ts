import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../load-tests/compare/render-markdown.js';
import { renderHtml } from '../../load-tests/compare/render-html.js';
import { reservationCheck } from '../../load-tests/compare/reservations.js';
import type { ReservationDigest } from '../../load-tests/compare/digests.js';
import { sampleReport } from '../helpers/sample-report.js';

const report = sampleReport();
const digest = report.reservations?.digest as ReservationDigest;
const withDigest = (change: Partial<ReservationDigest>) => ({ reservations: { digest: { ...digest, ...change }, failure: null } });

describe('the reservation phase in the compare report', () => {
  it('passes when every hold ended once, nothing oversold and lapsed units were resold', () => {
    expect(reservationCheck(report, true)).toMatchObject([{ ok: true }]);
  });

  it.each<[string, Partial<ReservationDigest>, string]>([
    ['an oversell', { oversoldUnits: 1 }, 'oversold 1'],
    ['a hold still live', { reservedUnitsLeft: 3 }, 'still held'],
    ['a paid hold not confirmed', { confirmedUnits: 185 }, 'confirmed for 186'],
    ['a lapsed hold not released', { expiredUnits: 173 }, 'expired for 174'],
    ['no resale', { resoldUnits: 0 }, 'no lapsed unit was sold again'],
    ['an inconsistent audit', { consistent: false }, 'inconsistent'],
  ])('fails on %s', (_, change, detail) => {
    const [check] = reservationCheck(withDigest(change), true);
    expect(check?.ok).toBe(false);
    expect(check?.detail).toContain(detail);
  });

  it('fails when the phase gave no figures, and is absent when reserve was not compared', () => {
    expect(reservationCheck({ reservations: { digest: null, failure: 'k6 exit 99' } }, true)).toMatchObject([{ ok: false, detail: 'k6 exit 99' }]);
    expect(reservationCheck({ reservations: null }, false)).toEqual([]);
  });

  it('is printed in both renderings', () => {
    expect(renderMarkdown(report)).toContain('**Reservations**');
    expect(renderMarkdown(report)).toMatch(/\| resold \| 160 \|/);
    expect(renderHtml(report)).toContain('id="reservations"');
  });
});
