using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Jetstream.Bench.Micro;

if (args.FirstOrDefault() == SetLoadProbe.Command)
{
    return await SetLoadProbe.RunAsync(args[1..]);
}

// In-process short job: no separate build of a benchmark project, about a minute in all on two cores.
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("short"))
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
var summary = BenchmarkSwitcher.FromTypes([typeof(HotPathBenchmarks)]).Run(args.Length > 0 ? args : ["--filter", "*"], config);

// One machine-readable line per benchmark for bench/Pipeline's report.
foreach (var report in summary.SelectMany(s => s.Reports))
{
    if (report.ResultStatistics is not { } statistics)
    {
        continue;
    }

    var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"MICRO|{report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'')}|{statistics.Mean:F1}|{allocated}"));
}

return summary.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
