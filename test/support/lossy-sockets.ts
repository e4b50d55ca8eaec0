import net from 'node:net';
import type { ISocketFactory } from 'kafkajs';

const PRODUCE_API_KEY = 0;

export interface LossySockets {
  /** For the client's `kafkaJs.socketFactory`. */
  socketFactory: ISocketFactory;
  /** Answers lost so far. */
  lost(): number;
}

/**
 * Plain TCP sockets for kafkajs that lose the broker's first `losses` answers to produce requests: the
 * connection that receives one is destroyed before kafkajs reads it. acks=all answers only after the
 * append, so the records are stored and the producer cannot know it, as when a broker dies between its
 * append and its answer. Requests are parsed as kafkajs writes them: one buffer each, size first, then
 * the header (api key at byte 4, correlation id at byte 8); answers carry the correlation id at byte 4.
 */
export function lossyProduceSockets(losses: number): LossySockets {
  let lost = 0;
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    const produceRequests = new Set<number>();
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (Buffer.isBuffer(chunk) && chunk.length >= 12 && chunk.readInt16BE(4) === PRODUCE_API_KEY) produceRequests.add(chunk.readInt32BE(8));
      return write(chunk, ...rest);
    }) as typeof socket.write;
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      const data = args[0];
      if (event === 'data' && lost < losses && Buffer.isBuffer(data) && data.length >= 8 && produceRequests.has(data.readInt32BE(4))) {
        lost++;
        socket.destroy(new Error('test fault: the broker answer to a produce request was lost'));
        return true;
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
    return socket;
  };
  return { socketFactory, lost: () => lost };
}
