// Scenario 1, the HTTP floor: a bare Fastify route that returns the request body. Every other
// configuration is compared with it. Usage: floor-server.ts <port>
import Fastify from 'fastify';

const port = Number(process.argv[2]);
const app = Fastify({ logger: false });
app.post('/echo', async (request) => request.body);
await app.listen({ host: '127.0.0.1', port });
console.log(`floor server listening on ${port}`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
