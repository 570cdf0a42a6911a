import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLError, ParseOptions, Source, ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import { gatewayError } from '../errors.js';

/** Shape limits checked on every document before it runs, each refused as `QUERY_TOO_COMPLEX`. */
export interface QueryLimits {
  /**
   * Deepest field nesting. The deepest real read (`user.accounts.bills.charges.gas.amount`) is
   * 6; the introspection query GraphiQL sends is not counted. @default 10
   */
  maxDepth: number;
  /** Aliased fields in one operation, fragments included. @default 20 */
  maxAliases: number;
  /** Lexical tokens in the document (names, punctuation, values). @default 2000 */
  maxTokens: number;
  /** Directives (`@include`, `@skip`…) in one operation. @default 10 */
  maxDirectives: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 10,
  maxAliases: 20,
  maxTokens: 2_000,
  maxDirectives: 10,
};

/** Armor's own message for each limit, e.g. `Query depth limit of 10 exceeded, found 51.` */
function tooComplex(limit: string, armorError: GraphQLError): GraphQLError {
  const detail = armorError.message.replace(/^Syntax Error:\s*/, '');

  return gatewayError('QUERY_TOO_COMPLEX', `Query too complex: ${detail}`, {
    limit,
    httpStatus: 400,
  });
}

/** Reports the limit's error on the validation context, so every broken limit is listed. */
function reportAs(limit: string) {
  return [
    (context: ValidationContext | null, error: GraphQLError) => {
      context?.reportError(tooComplex(limit, error));
    },
  ];
}

/**
 * Depth, alias, directive and token limits from GraphQL Armor, answering with our code. The
 * token limit runs inside the parser, so a huge document is refused before it is ever turned
 * into a tree; the others are validation rules and run before any resolver, so a refused
 * document costs no upstream call.
 */
export function useQueryLimits(limits: QueryLimits = DEFAULT_QUERY_LIMITS): Plugin {
  const rules = [
    maxDepthRule({
      n: limits.maxDepth,
      propagateOnRejection: false,
      onReject: reportAs('depth'),
    }),
    maxAliasesRule({
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: reportAs('aliases'),
    }),
    maxDirectivesRule({
      n: limits.maxDirectives,
      propagateOnRejection: false,
      onReject: reportAs('directives'),
    }),
  ];

  const parseWithTokenLimit = (source: string | Source, options?: ParseOptions) =>
    new MaxTokensParserWLexer(source, {
      ...options,
      n: limits.maxTokens,
      propagateOnRejection: false,
      onReject: [
        (_context, error) => {
          // The lexer has no validation context to report on: throwing is how a parser fails.
          throw tooComplex('tokens', error);
        },
      ],
    }).parseDocument();

  return {
    onParse({ setParseFn }) {
      setParseFn(parseWithTokenLimit);
    },
    onValidate({ addValidationRule }) {
      for (const rule of rules) {
        addValidationRule(rule);
      }
    },
  };
}
