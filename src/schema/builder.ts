import SchemaBuilder from '@pothos/core';

import type { GatewayContext } from '../context.js';
import type { EpochSeconds } from '../pelm/types.js';

/**
 * The one Pothos builder. Fields are non-null unless a field says otherwise; fields that depend
 * on an upstream call are nullable so one failure costs that field, not its siblings.
 */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: EpochSeconds; Output: EpochSeconds };
    Decimal: { Input: string; Output: number | string };
  };
}>({ defaultFieldNullability: false });

builder.queryType({
  description: 'Read a Pelm user and everything reachable from the bearer token of the request.',
});
