using Jetstream.Storage.Circuits;
using Jetstream.WebhookConsumer.Circuit;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// The endpoint circuit (<see cref="EndpointCircuit"/>, Polly's circuit breaker) on a fake clock: what opens it, when it
/// probes, that one probe goes at a time, and what the state says. The requests are results handed to it; the real
/// receiver is in <see cref="CircuitOutageTests"/>.
/// </summary>
public sealed class EndpointCircuitTests
{
    private static readonly DeliveryResult Refused = DeliveryResult.Failure(null, "Connection error: Connection refused (127.0.0.1:9)", endpoint: true);
    private static readonly DeliveryResult Answered500 = DeliveryResult.Failure(500, "HTTP 500 Internal Server Error");
    private static readonly DeliveryResult Ok = DeliveryResult.Success(200);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Endpoint_failures_open_it_and_each_failed_probe_doubles_the_break_up_to_the_cap()
    {
        var circuit = Circuit();
        var opened = _time.GetUtcNow();
        await FailAsync(circuit, 3);

        Assert.Equal(EndpointCircuitState.Open, circuit.State);
        var breaks = new List<TimeSpan>();
        for (var probe = 0; probe < 6; probe++)
        {
            var probeAt = circuit.ProbeAt;
            breaks.Add(probeAt - _time.GetUtcNow());
            Assert.Equal(probeAt, await circuit.WaitAsync(Far, default));
            Assert.Null(await circuit.SendAsync(Reply, Ok, default));

            _time.SetUtcNow(probeAt);
            Assert.Null(await circuit.WaitAsync(Far, default));
            Assert.Equal(Refused, await circuit.SendAsync(Reply, Refused, default));
            Assert.Equal(EndpointCircuitState.Open, circuit.State);
        }

        // Doubling from Webhook:CircuitBreakDuration (1 s) to the default cap of 2 s (issue 20: the first probe soon after the return).
        Assert.Equal([1, 2, 2, 2, 2, 2], breaks.Select(b => b.TotalSeconds));
        var snapshot = circuit.Snapshot;
        Assert.Equal((EndpointCircuitState.Open, opened), (snapshot.State, snapshot.Since));
        Assert.Equal(circuit.ProbeAt, snapshot.NextProbeAt);
        Assert.Equal("Connection error: Connection refused (127.0.0.1:9)", snapshot.LastError);
    }

    [Fact]
    public async Task A_successful_probe_closes_it_and_the_next_outage_starts_again_at_the_first_break()
    {
        var circuit = Circuit();
        await FailAsync(circuit, 3);
        _time.SetUtcNow(circuit.ProbeAt);
        await circuit.SendAsync(Reply, Refused, default);
        _time.SetUtcNow(circuit.ProbeAt);

        Assert.Equal(Ok, await circuit.SendAsync(Reply, Ok, default));

        Assert.Equal(EndpointCircuitState.Closed, circuit.State);
        Assert.Null(await circuit.WaitAsync(Far, default));
        var closed = circuit.Snapshot;
        Assert.Equal((EndpointCircuitState.Closed, _time.GetUtcNow(), TimeSpan.FromSeconds(3)), (closed.State, closed.Since, closed.Outage));
        _time.Advance(TimeSpan.FromMinutes(1));
        await FailAsync(circuit, 3);
        Assert.Equal(TimeSpan.FromSeconds(1), circuit.ProbeAt - _time.GetUtcNow());
    }

    [Fact]
    public async Task While_the_probe_is_on_its_way_other_requests_are_refused_and_wait_for_its_answer()
    {
        var circuit = Circuit();
        await FailAsync(circuit, 3);
        _time.SetUtcNow(circuit.ProbeAt);
        var answer = new TaskCompletionSource<DeliveryResult>();
        var probe = circuit.SendAsync((_, _) => answer.Task, 0, default).AsTask();
        Assert.Equal(EndpointCircuitState.HalfOpen, circuit.State);

        var sent = 0;
        var second = await circuit.SendAsync((_, _) => { sent++; return Task.FromResult(Ok); }, 0, default);
        var waiting = circuit.WaitAsync(Far, default).AsTask();

        Assert.Null(second);
        Assert.Equal(0, sent);
        Assert.False(waiting.IsCompleted);
        answer.SetResult(Ok);
        Assert.Equal(Ok, await probe);
        Assert.Null(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_waiter_past_its_batch_deadline_stops_waiting_for_the_probe()
    {
        var circuit = Circuit();
        await FailAsync(circuit, 3);
        _time.SetUtcNow(circuit.ProbeAt);
        var answer = new TaskCompletionSource<DeliveryResult>();
        _ = circuit.SendAsync((_, _) => answer.Task, 0, default).AsTask();
        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(5);

        var waiting = circuit.WaitAsync(deadline, default).AsTask();
        _time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(_time.GetUtcNow(), await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        answer.SetResult(Ok);
    }

    [Fact]
    public async Task Answers_the_receiver_gives_one_event_never_open_it()
    {
        var circuit = Circuit();

        for (var i = 0; i < 100; i++)
        {
            await circuit.SendAsync(Reply, Answered500, default);
            await circuit.SendAsync(Reply, DeliveryResult.Failure(422, "HTTP 422"), default);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(EndpointCircuitState.Closed, circuit.State);
        Assert.Equal(EndpointCircuitState.Closed, circuit.Snapshot.State);
    }

    [Fact]
    public async Task Endpoint_failures_among_enough_successes_leave_it_closed()
    {
        var circuit = Circuit();

        for (var i = 0; i < 100; i++)
        {
            await circuit.SendAsync(Reply, i % 3 == 0 ? Refused : Ok, default);
            _time.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.Equal(EndpointCircuitState.Closed, circuit.State);
    }

    [Fact]
    public async Task A_retry_after_longer_than_the_break_is_honoured()
    {
        var circuit = Circuit();
        var limited = DeliveryResult.Failure(429, "HTTP 429 Too Many Requests", TimeSpan.FromSeconds(45), endpoint: true);

        await FailAsync(circuit, 3, limited);

        Assert.Equal(TimeSpan.FromSeconds(45), circuit.ProbeAt - _time.GetUtcNow());
    }

    [Fact]
    public async Task The_state_never_shows_the_urls_credentials_or_query()
    {
        var circuit = new EndpointCircuit("sub", "https://hook-user:s3cr3tpw@example.com/hook?token=t0k3n", Options(), _time);
        var failure = DeliveryResult.Failure(null, "Connection error: https://hook-user:s3cr3tpw@example.com/hook?token=t0k3n unreachable", endpoint: true);

        await FailAsync(circuit, 3, failure);

        var error = circuit.Snapshot.LastError!;
        Assert.DoesNotContain("s3cr3tpw", error);
        Assert.DoesNotContain("t0k3n", error);
        Assert.Contains("example.com/hook", error);
    }

    private static DateTimeOffset Far => DateTimeOffset.MaxValue;

    private static Task<DeliveryResult> Reply(DeliveryResult result, CancellationToken cancellationToken) => Task.FromResult(result);

    private static WebhookOptions Options() => new() { RetrySchedule = [.. WebhookOptions.DefaultRetrySchedule] };

    private EndpointCircuit Circuit() => new("sub", "https://example.com/hook", Options(), _time);

    private async Task FailAsync(EndpointCircuit circuit, int count, DeliveryResult? failure = null)
    {
        for (var i = 0; i < count; i++)
        {
            await circuit.SendAsync(Reply, failure ?? Refused, default);
        }
    }
}
