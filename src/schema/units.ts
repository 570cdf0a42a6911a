import { gatewayError } from '../errors.js';
import { builder } from './builder.js';

export const ENERGY_UNITS = ['KWH', 'MWH', 'THERM'] as const;
export type EnergyUnit = (typeof ENERGY_UNITS)[number];

export const EnergyUnitEnum = builder.enumType('EnergyUnit', {
  description: 'Unit of an amount of energy.',
  values: {
    KWH: { description: 'Kilowatt-hours (electricity).' },
    MWH: { description: 'Megawatt-hours (electricity).' },
    THERM: { description: 'Therms (gas; 1 therm = 100,000 BTU).' },
  },
});

export const EmissionsUnitEnum = builder.enumType('EmissionsUnit', {
  description: 'Unit of greenhouse-gas emissions.',
  values: {
    KG_CO2E: { description: 'Kilograms of CO2-equivalent.' },
  },
});

/** Pelm's lower-case unit (`"kwh"`) as our enum value; `null` when Pelm sent none. */
export function energyUnit(value: string | null): EnergyUnit | null {
  if (value === null) {
    return null;
  }

  const unit = value.toUpperCase();
  if (!(ENERGY_UNITS as readonly string[]).includes(unit)) {
    throw gatewayError('UPSTREAM_ERROR', 'Pelm sent an energy unit this gateway does not know.');
  }

  return unit as EnergyUnit;
}

export function emissionsUnit(value: string | null): 'KG_CO2E' | null {
  if (value === null) {
    return null;
  }

  if (value.toLowerCase() !== 'kg_co2e') {
    throw gatewayError('UPSTREAM_ERROR', 'Pelm sent an emissions unit this gateway does not know.');
  }

  return 'KG_CO2E';
}
