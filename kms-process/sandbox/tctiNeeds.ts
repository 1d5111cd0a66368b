// What a tpm2-tss TCTI string needs from the sandbox: the TCP ports of a simulator (command port and the control
// port after it), or a device file. Formats from tpm2-tss's tcti-swtpm, tcti-mssim and tcti-device.
export interface TctiNeeds {
  tcpPorts: number[];
  devices: string[];
}

/** The simulators' default command port (tcti-swtpm and tcti-mssim). */
const SIMULATOR_PORT = 2321;

function port(text: string | undefined): number | undefined {
  if (text === undefined) return SIMULATOR_PORT;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 65534 ? n : undefined;
}

/** `swtpm:host=H,port=P`, `mssim:port=P`, `device:/dev/tpmrm0`; anything else (tabrmd over D-Bus) needs nothing. */
export function tctiNeeds(tcti: string): TctiNeeds {
  const colon = tcti.indexOf(':');
  const name = colon < 0 ? tcti : tcti.slice(0, colon);
  const conf = colon < 0 ? '' : tcti.slice(colon + 1);
  if (name === 'device') return { tcpPorts: [], devices: [conf || '/dev/tpm0'] };
  if (name === 'swtpm' || name === 'mssim') {
    const fields = new Map(conf.split(',').filter(Boolean).map((kv) => [kv.split('=')[0]!, kv.slice(kv.indexOf('=') + 1)] as const));
    const p = port(fields.get('port'));
    return { tcpPorts: p === undefined ? [] : [p, p + 1], devices: [] };
  }
  return { tcpPorts: [], devices: [] };
}
