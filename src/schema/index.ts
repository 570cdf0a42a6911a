import { builder } from './builder.js';
import { createExecutionSchema } from './projected-lists.js';
import './scalars.js';
import './units.js';
import './interval.js';
import './bill.js';
import './account.js';
import './user.js';
import './sync.js';

/** The gateway's schema, built once from the domain files imported above. */
export const schema = builder.toSchema({ sortSchema: true });

/** The same schema with its projected lists answered in one pass each; see `projected-lists.ts`. */
export const executionSchema = createExecutionSchema(schema);
