import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type ASTVisitor,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface OperationRulesOptions {
  /** Whether `__schema` and `__type` may be asked. @default true */
  introspection: boolean;
}

/**
 * graphql 16 validates a `mutation` against a schema that has none and lets the executor fail
 * it with a message and no code; this refuses it as a validation error, like an unknown field.
 */
function knownOperationTypesRule(context: ValidationContext): ASTVisitor {
  const schema = context.getSchema();

  return {
    OperationDefinition(node) {
      const root =
        node.operation === 'query'
          ? schema.getQueryType()
          : node.operation === 'mutation'
            ? schema.getMutationType()
            : schema.getSubscriptionType();
      if (root === null || root === undefined) {
        context.reportError(
          new GraphQLError(`This gateway has no ${node.operation} operations.`, { nodes: node }),
        );
      }
    },
  };
}

/**
 * Validation rules that hold on every transport: they run wherever the document is validated
 * (HTTP through Yoga, graphql-ws through the same envelope), unlike checks bound to the HTTP
 * request. Introspection, when off, is refused with graphql-js's own rule.
 */
export function useOperationRules(options: OperationRulesOptions): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(knownOperationTypesRule);
      if (!options.introspection) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      }
    },
  };
}
