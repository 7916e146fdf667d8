#!/usr/bin/env python3
"""Per-host CPU breakdown from `perf script -F comm,pid,tid,time,period,event,ip,sym,dso` output (docs/cpu-per-event.md).

Each sample of process PID goes to the category of the frame nearest its leaf that names one: generic helpers (copies,
casts, stubs, malloc) and kernel frames are passed over, so a copy or a syscall counts for its caller; a leaf in
libcoreclr (symbols stripped) is the runtime's. The share times US_PER_EVENT (the host's µs per delivered event in a
run of the same code without the profiler) gives µs per event. Prints a Markdown table.

Usage: perf_breakdown.py PERF_SCRIPT_TXT PID US_PER_EVENT
"""
import sys, re, collections
path, pid, us = sys.argv[1], sys.argv[2], float(sys.argv[3])
CATS = [
    ('JIT (tiered compilation)', r'libclrjit|TieredCompilation|CallCountingManager|ThePreStub|MethodDesc::DoPrestub|\.NET Tiered Com'),
    ('thread pool: idle spinning and wake-ups', r'LowLevelLifoSemaphore|LowLevelSpinWaiter|PortableThreadPool\+WorkerThread::WorkerDoWork|WorkerThread::WaitForWork|Thread::SpinWait|sched_yield|SwitchToThread'),
    ('deflate / inflate (zlib-ng)', r'libSystem\.IO\.Compression\.Native|DeflateStream|Inflater|Deflater|ZLibNative|CompressionNative'),
    ('SHA-256 / HMAC (OpenSSL)', r'libcrypto|libssl|IncrementalHash|HashProviderDispenser|EvpHashProvider|HMACCommon|SHA256|WebhookSigner|(?<!Recent)EventIds::'),
    ('base64', r'Base64'),
    ('cursor checkpoint (grain state to Azure Table)', r'ProcessorCheckpoint|CoalescingCheckpoint|WriteStateAsync|Newtonsoft|Azure\.Data\.Tables|AzureTableGrainStorage|AzureTableDataManager|OrleansJsonSerializer|JsonGrainStateSerializer'),
    ('Azure Queue SDK: XML', r'System\.Xml|XmlReader|XmlWriter|XDocument|XElement|XContainer|XmlTextEncoder'),
    ('Azure Queue SDK: pipeline, strings', r'Azure\.'),
    ('tracing and metrics (Activity, OpenTelemetry)', r'OpenTelemetry|System\.Diagnostics\.Metrics|System\.Diagnostics\.Activity|DiagnosticsHandler|DiagnosticListener|ActivitySource|MetricPoint|AggregatorStore|Prometheus|RuntimeMetrics'),
    ('logging', r'Microsoft\.Extensions\.Logging'),
    # consumer's own steps
    ('consumer: decode message (JSON)', r'QueueMessageCodec|QueuedEventJson::Read|MessageDecoder|CompressedMessage::Inflate'),
    ('consumer: batch body, scheduling, settling', r'WebhookConsumer\.(BatchedDelivery|DidTurn|DidScheduler|BatchShards|WebhookBatch|RecentDeliveries|PendingEvents|MessageSettler|DeliveryAttempt|BatchProcessor|SubscriptionLoop|InFlightEvent|DeliveryLane|DeliverySlot|RetryPolicy|ReceivedMessage)'),
    ('consumer: webhook request (sender, circuit, Polly)', r'WebhookSender|EndpointCircuit|Polly|Http\.Resilience|Microsoft\.Extensions\.Http'),
    # Silo's own steps
    ('Silo: message packing (JSON writer, packer)', r'CompressedMessagePacker|QueuedEventJson::Write|MessagePacker|CompressedMessage::'),
    ('Silo: queue sink, counters, cursor', r'QueueSink|ProcessorCounters|ActivityWindow|StreamIngest|QueueWriteWatchers|CursorPlanner|ResumeFloor'),
    ('Silo: parse, filter, ids, recent-id window', r'EventParser|FrameHandler|Utf8CollectionMatcher|Utf8Slice|RecentEventIds|EventFilter|HashSet`1\[System\.UInt128\]'),
    ('Silo: WebSocket receive and frames', r'JetstreamConnection|JetstreamSocket|ManagedWebSocket|FrameAssembler|V1Wire|V2Wire|WebSocket'),
    ('Orleans runtime', r'Orleans\.'),
    ('JSON (System.Text.Json, other)', r'System\.Text\.Json'),
    ('HTTP client and sockets', r'System\.Net\.Http|System\.Net\.Sockets|SocketAsyncEngine|SocketAsyncContext|SystemNative_(Send|Recv|Read|Write)|__send|__libc_recv|__libc_send|sendmsg|recvmsg|recvfrom|sendto'),
    ('Kestrel (metrics scrapes, health)', r'Microsoft\.AspNetCore'),
    ('epoll (socket readiness)', r'epoll_wait|SystemNative_WaitForSocketEvents'),
    ('async machinery, thread pool dispatch', r'System\.Threading\.|System\.Runtime\.CompilerServices\.(Async|Task|ValueTask|ConfiguredTask)|ExecutionContext'),
    ('allocation and memory clearing (GC heap)', r'__memset|clear_page|memset'),
    ('collections, strings, LINQ', r'System\.Collections|System\.Linq|System\.String|System\.Text\.|System\.Number|System\.Globalization|System\.DateTime|System\.UInt128|System\.Buffers'),
]
GENERIC = re.compile(r'Buffer::Memmove|SpanHelpers|memmove|memcpy|CastHelpers|^stub |Unsafe|Interlocked|System\.Runtime\.Intrinsics|System\.Span|System\.ReadOnlySpan|MemoryExtensions|System\.Math|System\.Array|\[unknown\]$|^\[unknown\]|VirtualDispatchHelpers|StaticsHelpers|RuntimeHelpers|__tls_get_addr|malloc|free|_int_|pthread_')
cats = [(n, re.compile(p)) for n, p in CATS]

def classify(comm, frames):
    if comm.startswith('.NET Tiered Com'):
        return 'JIT (tiered compilation)'
    if comm.startswith('.NET Server GC') or comm.startswith('.NET BGC'):
        return 'GC (server GC threads)'
    leaf = next((dso for _, dso in frames if 'kernel' not in dso), '')
    if 'libcoreclr' in leaf:
        return 'runtime (libcoreclr: GC, allocation, type checks, stubs)'
    for sym, dso in frames:
        if 'kernel' in dso:
            continue
        text = sym + ' ' + dso
        hit = next((n for n, r in cats if r.search(text)), None)
        if hit:
            return hit
        if GENERIC.search(sym) or sym == '[unknown]':
            continue
        return 'other managed code' if 'perf-' in dso else 'other native (' + dso.rsplit('/', 1)[-1] + ')'
    # no user frame named anything: by the leaf's library
    for sym, dso in frames:
        if 'kernel' not in dso:
            return 'runtime (libcoreclr: GC, allocation, stubs)' if 'libcoreclr' in dso else 'other native (' + dso.rsplit('/', 1)[-1] + ')'
    return 'kernel (no user frame)'

counts = collections.Counter(); kernel = collections.Counter(); n = 0
cur = None; comm = ''
for line in open(path, errors='replace'):
    if not line.strip():
        if cur is not None:
            c = classify(comm, cur); counts[c] += 1; n += 1
            if cur and 'kernel' in cur[0][1]: kernel[c] += 1
        cur = None; continue
    if not line.startswith(('\t', ' ')):
        m = re.search(r' (\d+)/(\d+) ', line)
        cur = [] if (m and m.group(1) == pid) else None
        comm = line[:m.start()].strip() if m else ''
        continue
    if cur is not None:
        m = re.match(r'\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$', line)
        if m:
            cur.append((re.sub(r'\+0x[0-9a-f]+$', '', m.group(1)), m.group(2)))
print(f"{n} samples; {us} µs per event measured")
print("| Where | Share | µs per event | of which in the kernel |")
print("| --- | --- | --- | --- |")
for k, v in counts.most_common():
    print(f"| {k} | {100*v/n:.1f} % | {us*v/n:.2f} | {100*kernel[k]/max(v,1):.0f} % |")
