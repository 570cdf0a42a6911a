/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant as an RFC 3339 string in UTC, e.g. `2024-06-01T00:00:00Z`. Inputs need a zone (`Z` or an offset); fractions of a second are rounded up to the next whole second. */
  DateTime: { input: string; output: string; }
  /** An exact decimal number written as a string, e.g. `"1234567.89"`. Add amounts with a decimal library, not floating point. */
  Decimal: { input: string; output: string; }
};

/** One utility account of the user, usually one property. */
export type Account = {
  __typename?: 'Account';
  /** The account number printed on the utility bill. */
  accountNumber: Scalars['String']['output'];
  /** Service address, one upper-case line as the utility writes it. */
  address: Scalars['String']['output'];
  /** The services this account has intervals for. */
  availableMeterTypes: Array<MeterType>;
  /** Bills of this account, newest first. With `from`/`to`, only bills whose service period overlaps `[from, to)`. */
  bills: Maybe<Array<Bill>>;
  /** Unit of gas usage (intervals of type GAS); null without gas service. */
  gasUsageUnit: Maybe<EnergyUnit>;
  /** Unit of `Interval.ghgEmissions`; null where Pelm has no emissions. */
  ghgEmissionsUnit: Maybe<EmissionsUnit>;
  /** Pelm's account id, unchanged (a UUID). */
  id: Scalars['ID']['output'];
  /** Usage intervals with `start` in `[from, to)`, for one meter type (or one meter). Without dates Pelm answers its default window (the last two months). Long ranges are fetched in windows of 60 days and merged. */
  intervals: Maybe<Array<Interval>>;
  /** The meters of this account; empty when Pelm lists none. */
  meters: Array<Meter>;
  /** Unit of electric usage (intervals of type ELECTRIC). */
  usageUnit: Maybe<EnergyUnit>;
};


/** One utility account of the user, usually one property. */
export type AccountBillsArgs = {
  from: InputMaybe<Scalars['DateTime']['input']>;
  limit: InputMaybe<Scalars['Int']['input']>;
  to: InputMaybe<Scalars['DateTime']['input']>;
};


/** One utility account of the user, usually one property. */
export type AccountIntervalsArgs = {
  from: InputMaybe<Scalars['DateTime']['input']>;
  meterId: InputMaybe<Scalars['ID']['input']>;
  to: InputMaybe<Scalars['DateTime']['input']>;
  type: InputMaybe<MeterType>;
};

/** One utility bill of an account. Pelm may leave any field but `id` out, so the others are nullable. */
export type Bill = {
  __typename?: 'Bill';
  /** Id of the account the bill belongs to. */
  accountId: Maybe<Scalars['ID']['output']>;
  /** The charges split by service. */
  charges: Maybe<BillCharges>;
  /** When payment is due. */
  dueDate: Maybe<Scalars['DateTime']['output']>;
  /** Electricity used in the period. */
  electricUsage: Maybe<Usage>;
  /** End of the service period. */
  endDate: Maybe<Scalars['DateTime']['output']>;
  /** Gas used in the period. */
  gasUsage: Maybe<Usage>;
  /** Pelm's bill id, unchanged. */
  id: Scalars['ID']['output'];
  /** When the bill was paid; null while unpaid. */
  paymentDate: Maybe<Scalars['DateTime']['output']>;
  /** Start of the service period. */
  startDate: Maybe<Scalars['DateTime']['output']>;
  /** When the utility issued the bill. */
  statementDate: Maybe<Scalars['DateTime']['output']>;
  /** What the bill asks to be paid. */
  totalAmountDue: Maybe<Money>;
  /** Sum of the charges of the period. */
  totalCharges: Maybe<Money>;
};

/** How a bill’s charges split between services. */
export type BillCharges = {
  __typename?: 'BillCharges';
  /** Charges for electricity. */
  electric: Maybe<Money>;
  /** Charges for gas. */
  gas: Maybe<Money>;
  /** Taxes, fees and anything not tied to a service. */
  other: Maybe<Money>;
};

/** ISO 4217 currency code. */
export type Currency =
  /** US dollar. Pelm states no currency; its utilities bill in USD. */
  | 'USD';

/** Unit of greenhouse-gas emissions. */
export type EmissionsUnit =
  /** Kilograms of CO2-equivalent. */
  | 'KG_CO2E';

/** Unit of an amount of energy. */
export type EnergyUnit =
  /** Kilowatt-hours (electricity). */
  | 'KWH'
  /** Megawatt-hours (electricity). */
  | 'MWH'
  /** Therms (gas; 1 therm = 100,000 BTU). */
  | 'THERM';

/** Energy used during one interval (15 minutes, an hour or a day, depending on the utility and meter), from `start` included to `end` excluded. */
export type Interval = {
  __typename?: 'Interval';
  /** Length of the interval in seconds (900 for 15 minutes). */
  durationSeconds: Scalars['Int']['output'];
  /** End of the interval (excluded). */
  end: Scalars['DateTime']['output'];
  /** Greenhouse-gas emissions of that usage in kg CO2e; null where Pelm has none (emissions exist for PG&E and SCE electricity). */
  ghgEmissions: Maybe<Scalars['Float']['output']>;
  /** Start of the interval. */
  start: Scalars['DateTime']['output'];
  /** Energy used: kWh for electric intervals, therms for gas (see `Account.usageUnit` and `Account.gasUsageUnit`). */
  usage: Scalars['Float']['output'];
};

/** One meter of an account (Pelm lists meters for accounts connected since late 2022). */
export type Meter = {
  __typename?: 'Meter';
  /** Pelm's meter id, unchanged. */
  id: Scalars['ID']['output'];
  /** Usage intervals of this meter with `start` in `[from, to)`. Without dates Pelm answers its default window (the last two months). */
  intervals: Maybe<Array<Interval>>;
};


/** One meter of an account (Pelm lists meters for accounts connected since late 2022). */
export type MeterIntervalsArgs = {
  from: InputMaybe<Scalars['DateTime']['input']>;
  to: InputMaybe<Scalars['DateTime']['input']>;
};

/** The kind of service a meter measures. */
export type MeterType =
  /** Electricity; usage in the account’s `usageUnit` (kWh). */
  | 'ELECTRIC'
  /** Natural gas; usage in the account’s `gasUsageUnit` (therms). */
  | 'GAS';

/** An exact amount of money. */
export type Money = {
  __typename?: 'Money';
  /** The amount as Pelm sent it, as an exact decimal string (e.g. "182.44"). */
  amount: Scalars['Decimal']['output'];
  /** The currency. */
  currency: Currency;
};

/** Read a Pelm user and everything reachable from the bearer token of the request. */
export type Query = {
  __typename?: 'Query';
  /** The Pelm user behind the bearer token. Everything reachable from the token works without `id`; the profile fields (utility, utilityUsername, credentialsValid) need it. */
  user: Maybe<User>;
};


/** Read a Pelm user and everything reachable from the bearer token of the request. */
export type QueryUserArgs = {
  id: InputMaybe<Scalars['ID']['input']>;
};

/** An amount of energy with its unit. */
export type Usage = {
  __typename?: 'Usage';
  /** The unit of `value`. */
  unit: EnergyUnit;
  /** The amount, in `unit`. */
  value: Scalars['Float']['output'];
};

/** One Pelm user: one login at one utility (PG&E, SCE, SoCalGas…), owning one or more accounts. A person with logins at two utilities is two users, with two tokens. */
export type User = {
  __typename?: 'User';
  /** The accounts (usually one per property) of this login, in the order Pelm lists them. */
  accounts: Maybe<Array<Account>>;
  /** False when the utility login stopped working (typically a changed password): Pelm cannot refresh the data until the user reconnects. Needs `Query.user(id:)`. */
  credentialsValid: Maybe<Scalars['Boolean']['output']>;
  /** The `user_id` given as `Query.user(id:)`; null when none was given. */
  id: Maybe<Scalars['ID']['output']>;
  /** The utility of this login. Needs `Query.user(id:)`. */
  utility: Maybe<Utility>;
  /** The end user's username at the utility. Needs `Query.user(id:)`. */
  utilityUsername: Maybe<Scalars['String']['output']>;
};


/** One Pelm user: one login at one utility (PG&E, SCE, SoCalGas…), owning one or more accounts. A person with logins at two utilities is two users, with two tokens. */
export type UserAccountsArgs = {
  ids: InputMaybe<Array<Scalars['ID']['input']>>;
};

/** The utility company whose login this Pelm user is. */
export type Utility = {
  __typename?: 'Utility';
  /** Pelm's numeric id of the utility (1 is PG&E). */
  id: Scalars['Int']['output'];
  /** Display name, as Pelm spells it (e.g. "Pacific Gas & Electricity"). */
  name: Scalars['String']['output'];
};

/** ISO 4217 currency code. */
export type Currency =
  /** US dollar. Pelm states no currency; its utilities bill in USD. */
  | 'USD';

/** Unit of greenhouse-gas emissions. */
export type EmissionsUnit =
  /** Kilograms of CO2-equivalent. */
  | 'KG_CO2E';

/** Unit of an amount of energy. */
export type EnergyUnit =
  /** Kilowatt-hours (electricity). */
  | 'KWH'
  /** Megawatt-hours (electricity). */
  | 'MWH'
  /** Therms (gas; 1 therm = 100,000 BTU). */
  | 'THERM';

/** The kind of service a meter measures. */
export type MeterType =
  /** Electricity; usage in the account’s `usageUnit` (kWh). */
  | 'ELECTRIC'
  /** Natural gas; usage in the account’s `gasUsageUnit` (therms). */
  | 'GAS';

export type AccountIntervalsQueryVariables = Exact<{
  type: MeterType;
  from?: string | null | undefined;
  to?: string | null | undefined;
}>;


export type AccountIntervalsQuery = { user: { accounts: Array<{ id: string, intervals: Array<{ start: string, end: string, durationSeconds: number, usage: number, ghgEmissions: number | null }> | null }> | null } | null };

export type BillDetailsQueryVariables = Exact<{
  from?: string | null | undefined;
  to?: string | null | undefined;
}>;


export type BillDetailsQuery = { user: { accounts: Array<{ id: string, usageUnit: EnergyUnit | null, gasUsageUnit: EnergyUnit | null, ghgEmissionsUnit: EmissionsUnit | null, availableMeterTypes: Array<MeterType>, meters: Array<{ id: string }>, bills: Array<{ id: string, accountId: string | null, startDate: string | null, endDate: string | null, statementDate: string | null, dueDate: string | null, paymentDate: string | null, totalAmountDue: { amount: string, currency: Currency } | null, totalCharges: { amount: string } | null, charges: { electric: { amount: string } | null, gas: { amount: string } | null, other: { amount: string } | null } | null, electricUsage: { value: number, unit: EnergyUnit } | null, gasUsage: { value: number, unit: EnergyUnit } | null }> | null, intervals: Array<{ start: string, end: string, usage: number, ghgEmissions: number | null }> | null }> | null } | null };

export type HeadlineQueryVariables = Exact<{ [key: string]: never; }>;


export type HeadlineQuery = { user: { accounts: Array<{ id: string, accountNumber: string, address: string, bills: Array<{ id: string, startDate: string | null, endDate: string | null, totalAmountDue: { amount: string, currency: Currency } | null }> | null }> | null } | null };

export type ProfileQueryVariables = Exact<{
  id?: string | number | null | undefined;
}>;


export type ProfileQuery = { user: { id: string | null, utilityUsername: string | null, credentialsValid: boolean | null, utility: { id: number, name: string } | null } | null };


export const AccountIntervalsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AccountIntervals"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"type"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"MeterType"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"intervals"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"type"},"value":{"kind":"Variable","name":{"kind":"Name","value":"type"}}},{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}},{"kind":"Field","name":{"kind":"Name","value":"durationSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"usage"}},{"kind":"Field","name":{"kind":"Name","value":"ghgEmissions"}}]}}]}}]}}]}}]} as unknown as DocumentNode<AccountIntervalsQuery, AccountIntervalsQueryVariables>;
export const BillDetailsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BillDetails"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"usageUnit"}},{"kind":"Field","name":{"kind":"Name","value":"gasUsageUnit"}},{"kind":"Field","name":{"kind":"Name","value":"ghgEmissionsUnit"}},{"kind":"Field","name":{"kind":"Name","value":"availableMeterTypes"}},{"kind":"Field","name":{"kind":"Name","value":"meters"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"bills"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"accountId"}},{"kind":"Field","name":{"kind":"Name","value":"startDate"}},{"kind":"Field","name":{"kind":"Name","value":"endDate"}},{"kind":"Field","name":{"kind":"Name","value":"statementDate"}},{"kind":"Field","name":{"kind":"Name","value":"dueDate"}},{"kind":"Field","name":{"kind":"Name","value":"paymentDate"}},{"kind":"Field","name":{"kind":"Name","value":"totalAmountDue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"totalCharges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"charges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"electric"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"gas"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"other"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"electricUsage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}}]}},{"kind":"Field","name":{"kind":"Name","value":"gasUsage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"intervals"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"type"},"value":{"kind":"EnumValue","value":"ELECTRIC"}},{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}},{"kind":"Field","name":{"kind":"Name","value":"usage"}},{"kind":"Field","name":{"kind":"Name","value":"ghgEmissions"}}]}}]}}]}}]}}]} as unknown as DocumentNode<BillDetailsQuery, BillDetailsQueryVariables>;
export const HeadlineDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Headline"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"accountNumber"}},{"kind":"Field","name":{"kind":"Name","value":"address"}},{"kind":"Field","name":{"kind":"Name","value":"bills"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"startDate"}},{"kind":"Field","name":{"kind":"Name","value":"endDate"}},{"kind":"Field","name":{"kind":"Name","value":"totalAmountDue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<HeadlineQuery, HeadlineQueryVariables>;
export const ProfileDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Profile"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"utility"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"utilityUsername"}},{"kind":"Field","name":{"kind":"Name","value":"credentialsValid"}}]}}]}}]} as unknown as DocumentNode<ProfileQuery, ProfileQueryVariables>;