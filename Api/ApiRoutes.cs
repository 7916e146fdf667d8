namespace Jetstream.Api;

/// <summary>The Api's paths, shared by the route table, the dashboard's links and the documentation tests.</summary>
public static class ApiRoutes
{
    public const string Root = "/";
    public const string Stats = "/stats";
    public const string StatsHtml = "/stats/html";
    public const string Status = "/status";
    public const string Reset = "/reset";
    public const string Reconnect = "/reconnect";
    public const string DeadLetter = "/deadletter";
    public const string DeadLetterRedrive = "/deadletter/redrive";
    public const string Health = "/health";
    public const string HealthLive = "/health/live";
    public const string HealthReady = "/health/ready";
    public const string OrleansDashboard = "/dashboard";
    public const string Subscriptions = "/subscriptions";
    public const string OpenApi = "/openapi/v1.json";
}
