import { readFileSync } from 'node:fs';

import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';

import { schema } from '../src/schema/index.js';

/** Every place a GraphiQL user can hover over, with its description (or undefined). */
function describedPlaces(): Array<[string, string | null | undefined]> {
  const places: Array<[string, string | null | undefined]> = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) {
      continue;
    }

    places.push([type.name, type.description]);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        places.push([`${type.name}.${field.name}`, field.description]);
        for (const arg of 'args' in field ? field.args : []) {
          places.push([`${type.name}.${field.name}(${arg.name})`, arg.description]);
        }
      }
    }

    if (isEnumType(type)) {
      for (const value of type.getValues()) {
        places.push([`${type.name}.${value.name}`, value.description]);
      }
    }
  }

  return places;
}

describe('the schema', () => {
  it('describes every type, field, argument and enum value', () => {
    const missing = describedPlaces()
      .filter(([, description]) => (description ?? '').trim() === '')
      .map(([name]) => name);

    expect(missing).toEqual([]);
  });

  it('is what schema.graphql holds', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');

    expect(committed).toBe(`${printSchema(lexicographicSortSchema(schema))}\n`);
  });

  it('names fields in camelCase and enum values in capitals', () => {
    const names = describedPlaces().map(([name]) => name);
    const fields = names.filter((name) => /^[A-Z]\w*\.\w+$/.test(name));
    const badFields = fields.filter((name) => {
      const [typeName = '', member = ''] = name.split('.');
      const type = schema.getType(typeName);

      return isEnumType(type)
        ? !/^[A-Z][A-Z0-9_]*$/.test(member)
        : !/^[a-z][A-Za-z0-9]*$/.test(member);
    });

    expect(badFields).toEqual([]);
  });
});
