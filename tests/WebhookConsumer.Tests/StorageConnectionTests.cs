using System.Net;
using System.Net.Sockets;
using Azure;
using Jetstream.Storage;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// Every storage client the service makes comes from <see cref="StorageConnection"/> with one retry policy: a storage
/// that answers 503 is asked exactly twice (one retry), whichever kind of client asks, so an outage is learnt fast.
/// </summary>
public sealed class StorageConnectionTests
{
    private const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static TheoryData<string> Kinds => ["queue", "container", "table", "table service"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_client_retries_a_failed_request_once_then_fails(string kind)
    {
        using var storage = new UnavailableStorage();
        var connection = storage.Connection;

        Func<Task> ask = kind switch
        {
            "queue" => () => connection.Queue("q").ExistsAsync(),
            "container" => () => connection.Container("c").ExistsAsync(),
            "table" => () => connection.Table("t").GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>("p", "r"),
            _ => () => connection.TableService().GetPropertiesAsync(),
        };

        var ex = await Assert.ThrowsAsync<RequestFailedException>(ask);
        Assert.Equal(503, ex.Status);
        Assert.Equal(1 + StorageConnection.MaxRetries, storage.Requests);
    }

    /// <summary>A real HTTP endpoint standing in for all three storage services, answering every request 503.</summary>
    private sealed class UnavailableStorage : IDisposable
    {
        private readonly HttpListener _listener = new();
        private int _requests;

        public UnavailableStorage()
        {
            var port = FreePort();
            Endpoint = $"http://127.0.0.1:{port}/devstoreaccount1";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _ = AnswerAsync();
        }

        public string Endpoint { get; }

        public int Requests => Volatile.Read(ref _requests);

        public StorageConnection Connection => new(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteKey};" +
            $"BlobEndpoint={Endpoint};QueueEndpoint={Endpoint};TableEndpoint={Endpoint};");

        public void Dispose() => _listener.Close();

        private async Task AnswerAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                context.Response.StatusCode = 503;
                context.Response.Close();
            }
        }

        private static int FreePort()
        {
            using var socket = new TcpListener(IPAddress.Loopback, 0);
            socket.Start();
            return ((IPEndPoint)socket.LocalEndpoint).Port;
        }
    }
}
