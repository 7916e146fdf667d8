using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Jetstream.Emulator;

/// <summary>The XRPC error envelope <c>{"error":name,"message":…}</c> the v2 routes answer with before any upgrade.</summary>
internal static class XrpcError
{
    public static async Task WriteAsync(HttpContext context, int status, string name, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new XrpcErrorBody(name, message), EmulatorJsonContext.Default.XrpcErrorBody);
    }
}

internal sealed record XrpcErrorBody(string Error, string Message);
