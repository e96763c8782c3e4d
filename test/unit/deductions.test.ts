import { describe, expect, it } from 'vitest';
import { parseDeduction, unitCount, unitsLiteral } from '../../services/strategies/redis-lua/deductions.js';
import { ledgerMember, parseLedgerMember } from '../../services/strategies/redis-lua/keys.js';

describe('a Redis deduction', () => {
  it('reads the order id and unit ranges the script wrote, and gives PostgreSQL half-open ranges', () => {
    const deduction = parseDeduction('0b7e2f9c-1d2e-4f3a-9b8c-7d6e5f4a3b2c 5-5,7-9');
    expect(deduction).toEqual({ orderId: '0b7e2f9c-1d2e-4f3a-9b8c-7d6e5f4a3b2c', ranges: [[5, 5], [7, 9]] });
    if (deduction === undefined) return;
    expect(unitCount(deduction)).toBe(4);
    expect(unitsLiteral(deduction)).toBe('{[5,6),[7,10)}');
  });

  it('refuses anything else rather than guess units', () => {
    for (const value of ['', 'only-an-id', 'id 0-2', 'id 5-3', 'id 1-2 extra', 'id 1-x']) expect(parseDeduction(value)).toBeUndefined();
  });

  it('names its ledger entry by SKU and key, both without spaces', () => {
    expect(parseLedgerMember(ledgerMember('sku-1', 'key:with/any!chars'))).toEqual({ sku: 'sku-1', idempotencyKey: 'key:with/any!chars' });
    expect(parseLedgerMember('no-space')).toBeUndefined();
  });
});
