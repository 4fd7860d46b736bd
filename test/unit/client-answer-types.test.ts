import { describe, expect, it } from 'vitest';
import { ROUTE_DOCS } from '../../src/api/route-docs.js';
import { UNDECLARED_ROUTES } from '../../src/client/undeclared-answers.js';

describe("the client's stand-ins for undeclared answers", () => {
  it('stand in only for routes that exist and declare no response schema yet', () => {
    const outlived = UNDECLARED_ROUTES.filter((key) => ROUTE_DOCS[key]?.responses !== undefined);
    const unknown = UNDECLARED_ROUTES.filter((key) => ROUTE_DOCS[key] === undefined);
    expect(unknown, 'no such route in src/api/route-docs.ts').toEqual([]);
    expect(outlived, 'these routes declare their answers now: delete their stand-ins in src/client/undeclared-answers.ts (api-types.ts then takes the declared schema)').toEqual([]);
  });
});
