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

/**
 * An error answer as it is sent: application/problem+json. Keyed by media
 * type, so the OpenAPI document declares that type (not application/json)
 * and Fastify serializes by it.
 */
export const problemResponse = {
  description: 'Problem details (RFC 9457)',
  content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
};

export const problemResponses = {
  '4xx': problemResponse,
  '5xx': problemResponse,
};
