import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import * as dnsPacket from 'dns-packet';

export interface DnsServer {
  /** `127.0.0.1:port`, the authority of a `dns://127.0.0.1:port/name:port` target. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * A tiny authoritative DNS server on a loopback UDP port: A queries for `name` get `addresses`
 * (TTL 1 s), the way a Kubernetes headless service or a compose service name resolves to every
 * replica; any other question gets an answer without records.
 */
export async function startDnsServer(name: string, addresses: readonly string[]): Promise<DnsServer> {
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    let packet: dnsPacket.DecodedPacket;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return; // Not DNS: no answer.
    }
    const questions = packet.questions ?? [];
    const answers: dnsPacket.Answer[] = questions
      .filter((q) => q.type === 'A' && q.name.toLowerCase() === name.toLowerCase())
      .flatMap((q) => addresses.map((data) => ({ type: 'A' as const, class: 'IN' as const, name: q.name, ttl: 1, data })));
    const response = dnsPacket.encode({ id: packet.id, type: 'response', flags: dnsPacket.AUTHORITATIVE_ANSWER, questions, answers });
    socket.send(response, peer.port, peer.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return {
    address: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
