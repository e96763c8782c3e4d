import Type from 'typebox';
import { strategyDecisions, strategyLocks, strategyNeeds } from '../../strategies/facts.js';

export const Checks = Type.Record(Type.String(), Type.Union([Type.Literal('up'), Type.Literal('down')]));

export const Ready = Type.Object({ status: Type.Literal('ready'), checks: Checks });

/** A strategy's facts (services/strategies/strategy.ts, StrategyFacts), as the load tests and reports read them. */
export const StrategyInfo = Type.Object({
  name: Type.String(),
  description: Type.String(),
  async: Type.Boolean({ description: 'Answers 202 pending; the order settles later' }),
  safe: Type.Boolean({ description: 'False only for the deliberately unsafe baseline' }),
  decidesIn: Type.Union([Type.Literal('postgres'), Type.Literal('redis')], { description: 'The store whose atomic step decides the sale (its ceiling bounds the rate)' }),
  needs: Type.Array(Type.Union(strategyNeeds.map((need) => Type.Literal(need))), { description: 'What it needs besides PostgreSQL and the main Redis' }),
  keepsStockIn: Type.Union([Type.Literal('postgres'), Type.Literal('redis')], { description: 'The store whose stock count a purchase meets first' }),
  locksIn: Type.Union(strategyLocks.map((lock) => Type.Literal(lock)), { description: 'Where it takes a lock per SKU before its fenced write' }),
  holds: Type.Boolean({ description: 'A purchase is a hold, confirmed or cancelled at /v1/orders/{orderId}/confirm and /cancel' }),
  decidesPer: Type.Union(strategyDecisions.map((decision) => Type.Literal(decision)), { description: 'How many buyers one decision in its store covers: one sale, a batch of the moment (group commit), or a lease of the process\'s next few hundred ms of buyers' }),
  spreadsStock: Type.Boolean({ description: 'A SKU\'s stock is split over Redis keys on different cluster slots (buckets), so one hot SKU spreads over masters' }),
});
