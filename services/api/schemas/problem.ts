import Type from 'typebox';
import { errorCodes } from '../../shared/errors.js';

/** RFC 9457 problem details; extension members (errors, dependency, checks) are allowed. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'urn:flash-sale-inventory:problem:<code>' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.Union(errorCodes.map((code) => Type.Literal(code))),
  },
  { additionalProperties: true, $id: 'Problem', description: 'application/problem+json' },
);

export const problemResponses = {
  '4xx': Type.Ref('Problem'),
  '5xx': Type.Ref('Problem'),
};
