export { compileJsonSchema, type ErrorObject, jsonSchemaProblem, type ValidateFunction } from './compile.ts';
