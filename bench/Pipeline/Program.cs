using Jetstream.Bench.Pipeline;

// No arguments: the whole benchmark (see docs/performance.md). The limit loops run as children of the same program.
return args.FirstOrDefault() switch
{
    IngestLimit.Command => await IngestLimit.RunAsync(new ChildArgs(args[1..])),
    QueueLimit.Command => await QueueLimit.RunAsync(new ChildArgs(args[1..])),
    DeliveryLimit.Command => await DeliveryLimit.RunAsync(new ChildArgs(args[1..])),
    _ => await PipelineBenchmark.RunAsync(BenchSettings.Parse(args)),
};
