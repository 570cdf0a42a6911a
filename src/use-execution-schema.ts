import type { GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Executes queries and mutations with `executionSchema` instead of the schema they were
 * validated with. Every other plugin keeps seeing the public schema in its hooks; only the
 * final call to the executor changes. Subscriptions keep the public schema.
 */
export function useExecutionSchema(executionSchema: GraphQLSchema): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((args) => executeFn({ ...args, schema: executionSchema }));
    },
  };
}
