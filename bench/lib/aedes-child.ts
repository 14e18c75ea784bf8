// An aedes MQTT broker as a process of its own, for machines without mosquitto: `aedes-child.ts PORT`.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.listen(port, '127.0.0.1', () => console.log(`listening mqtt://127.0.0.1:${port}`));
process.once('SIGINT', () => server.close(() => broker.close(() => process.exit(0))));
