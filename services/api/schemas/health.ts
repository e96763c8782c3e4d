import Type from 'typebox';

export const Checks = Type.Record(Type.String(), Type.Union([Type.Literal('up'), Type.Literal('down')]));

export const Ready = Type.Object({ status: Type.Literal('ready'), checks: Checks });

export const StrategyInfo = Type.Object({ name: Type.String(), description: Type.String(), async: Type.Boolean() });
