import type { StrategyFacts } from '../strategy.js';
import { plainFacts } from '../facts.js';

// Apart from index.ts so the folder's other files can name the strategy without importing its purchase.
export const reserveFacts: StrategyFacts = {
  name: 'reserve',
  description: "Holds the units for the SKU's holdSeconds (pg-atomic's conditional UPDATE, order status reserved); the buyer confirms or cancels, and the worker releases lapsed holds.",
  ...plainFacts,
  // The worker's hold sweeper gives lapsed holds back; without it they stay held (undersell, never oversell).
  needs: ['worker'],
  holds: true,
};
