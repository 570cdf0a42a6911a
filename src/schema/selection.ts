import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Whether the query under the current field selects the nested field `path` (by schema field
 * name, through fragments and inline fragments, whatever the aliases). Used to start upstream
 * calls a child will need before the parent's own call returns.
 */
export function selectsPath(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  return info.fieldNodes.some((node) => setSelects(node.selectionSet, path, info, new Set()));
}

function setSelects(
  set: SelectionSetNode | undefined,
  path: readonly string[],
  info: GraphQLResolveInfo,
  seenFragments: Set<string>,
): boolean {
  const [head, ...rest] = path;
  if (set === undefined || head === undefined) {
    return head === undefined;
  }

  return set.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) {
      return selection.name.value === head && fieldSelects(selection, rest, info, seenFragments);
    }

    if (selection.kind === Kind.INLINE_FRAGMENT) {
      return setSelects(selection.selectionSet, path, info, seenFragments);
    }

    const name = selection.name.value;
    const fragment = info.fragments[name];
    // A fragment already being walked cannot add anything new; stopping also guards cycles.
    if (fragment === undefined || seenFragments.has(name)) {
      return false;
    }

    seenFragments.add(name);

    return setSelects(fragment.selectionSet, path, info, seenFragments);
  });
}

function fieldSelects(
  node: FieldNode,
  rest: readonly string[],
  info: GraphQLResolveInfo,
  seenFragments: Set<string>,
): boolean {
  return rest.length === 0 || setSelects(node.selectionSet, rest, info, seenFragments);
}
