// Validates an OpenAPI document with @apidevtools/swagger-parser, an implementation
// independent of boka: the structure against the OpenAPI 3.1 schema, every $ref resolved.
// usage: node openapi_validate.js <openapi.json>
const SwaggerParser = require("@apidevtools/swagger-parser");

SwaggerParser.validate(process.argv[2])
  .then((api) => {
    const schemas = Object.keys(api.components.schemas).length;
    console.log(`valid: OpenAPI ${api.openapi}, ${Object.keys(api.paths).length} paths, ${schemas} schemas`);
  })
  .catch((err) => {
    console.error(`invalid: ${err.message}`);
    process.exit(1);
  });
