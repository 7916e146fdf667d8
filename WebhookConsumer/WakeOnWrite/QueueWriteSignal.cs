using System.Threading.Channels;
using Jetstream.Grains.Interfaces;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.WakeOnWrite;

/// <summary>
/// One subscription's wake-up from its processor grain: registers itself (an <see cref="IQueueWriteObserver"/>) with
/// the processor once the cluster is reached, renews every <c>WakeOnWrite:RenewInterval</c> (the registration lives
/// in the processor's activation, so a renewal finds a processor that moved), and at once when asked
/// (<see cref="RenewSoon"/>: the cluster connection recovered, or a poll found events no call announced). A call
/// wakes <see cref="WaitAsync"/>; a call that comes while the loop is busy is kept, so its next idle wait ends at once.
/// <see cref="Live"/> says whether the last registration succeeded: only then may the loop poll less often.
/// </summary>
internal sealed class QueueWriteSignal : IQueueWriteObserver, IAsyncDisposable
{
    // A renewal that has not been answered by then counts as failed: the loop then polls as without the signal.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<bool> _renew = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ClusterConnection _cluster;
    private readonly string _subscriptionId;
    private readonly WakeOnWriteOptions _options;
    private readonly TimeSpan _maxPollInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private CancellationTokenSource? _watching;
    private Task _run = Task.CompletedTask;
    private IQueueWriteObserver? _observer;
    private volatile bool _live;

    public QueueWriteSignal(ClusterConnection cluster, string subscriptionId, WakeOnWriteOptions options, TimeSpan maxPollInterval, TimeProvider time, ILogger logger)
    {
        _cluster = cluster;
        _subscriptionId = subscriptionId;
        _options = options;
        _maxPollInterval = maxPollInterval;
        _time = time;
        _logger = logger;
    }

    /// <summary>The processor holds this consumer's registration (as of the last renewal).</summary>
    public bool Live => _live;

    /// <summary>Called by the processor (through Orleans) after a queue write is acknowledged.</summary>
    public Task QueueWritten()
    {
        _wake.Writer.TryWrite(true);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Whether the processor is to be watched: not while the subscription is paused or being deleted (its processor is
    /// not reading, and a registration would activate it for nothing). Called by the loop only.
    /// </summary>
    public void Want(bool wanted)
    {
        if (wanted && _watching is null)
        {
            _watching = new CancellationTokenSource();
            _run = RunAsync(_watching.Token);
        }
        else if (!wanted && _watching is not null)
        {
            _watching.Cancel();
            _watching = null;
        }
    }

    /// <summary>The loop is idle: the cluster client is wanted now (<see cref="ClusterConnection.Start"/>).</summary>
    public void Idle() => _cluster.Start();

    /// <summary>Renews the registration now instead of at the next interval.</summary>
    public void RenewSoon() => _renew.Writer.TryWrite(true);

    /// <summary>Waits until a call comes (true) or <paramref name="timeout"/> passes (false); a call that came meanwhile ends it at once.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => ReadOneAsync(_wake, timeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Want(false);
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_observer is not null)
        {
            // Later calls from the processor fail, and it forgets this consumer (it would at the end of the lease anyway).
            _cluster.Connected.Result.DeleteObjectReference<IQueueWriteObserver>(_observer);
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        await Task.Yield();
        _cluster.Recovered += RenewSoon;
        _cluster.Lost += OnConnectionLost;
        try
        {
            var client = await _cluster.Connected.WaitAsync(stopping);
            // One reference for the signal's life: the processor knows this consumer by it across Want(false)/Want(true).
            var observer = _observer ??= client.CreateObjectReference<IQueueWriteObserver>(this);
            var processor = client.GetGrain<IJetstreamProcessorGrain>(_subscriptionId);
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await processor.WatchQueueWrites(observer, _options.Lease).WaitAsync(CallTimeout, _time, stopping);
                    if (!_live)
                    {
                        _live = true;
                        WakeLog.Live(_logger, _subscriptionId, _options.IdlePollInterval);

                        // Writes between the loop's last receive and this registration announced nothing.
                        _wake.Writer.TryWrite(true);
                    }
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested)
                {
                    NotLive(ex.GetType().Name + ": " + ex.Message.Split('\n')[0]);
                }

                await ReadOneAsync(_renew, _options.RenewInterval, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            _cluster.Recovered -= RenewSoon;
            _cluster.Lost -= OnConnectionLost;
            _live = false;
        }
    }

    private void OnConnectionLost() => NotLive("the cluster connection is lost");

    private void NotLive(string reason)
    {
        if (_live)
        {
            _live = false;
            WakeLog.NotLive(_logger, _subscriptionId, reason, _maxPollInterval);
        }
        else
        {
            WakeLog.RenewFailed(_logger, _subscriptionId, reason);
        }
    }

    /// <summary>
    /// Reads one item within <paramref name="timeout"/>. No exception for the timeout (this runs on every idle poll), and
    /// the waiter that lost the race is cancelled, so nothing stays registered on the channel.
    /// </summary>
    private async Task<bool> ReadOneAsync(Channel<bool> channel, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (channel.Reader.TryRead(out _))
        {
            return true;
        }

        using var race = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var item = channel.Reader.WaitToReadAsync(race.Token).AsTask();
        var delay = Task.Delay(timeout, _time, race.Token);
        await Task.WhenAny(item, delay);
        await race.CancelAsync();
        return channel.Reader.TryRead(out _);
    }
}
