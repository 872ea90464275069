// Starts Bluesky's reference PDS (@atproto/dev-env TestNetworkNoAppView: PDS + in-memory PLC,
// SQLite files and blobs in a temporary folder) and prints one JSON line with its URLs.
// It stops when its standard input closes (the test that started it ended) or on SIGTERM.
// RATE_LIMITS=1 turns on the PDS's real rate limiter (RateLimit-* headers).
import { TestNetworkNoAppView } from '@atproto/dev-env'

const network = await TestNetworkNoAppView.create({
  pds: { rateLimitsEnabled: process.env.RATE_LIMITS === '1' },
})
process.stdout.write(JSON.stringify({ pds: network.pds.url, plc: network.plc.url }) + '\n')

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  await network.close().catch(() => {})
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
