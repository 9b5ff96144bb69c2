// Jest runs the pure logic of src/ (no JupyterLab imports) through ts-jest, transpiling
// only (isolatedModules in tsconfig.test.json): `npm run lint` type-checks the tests.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testRegex: 'src/__tests__/.*\\.spec\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  }
};
