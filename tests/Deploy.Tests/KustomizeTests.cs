using Jetstream.Deploy.Tests.Checks;
using Jetstream.Deploy.Tests.Files;

namespace Jetstream.Deploy.Tests;

public sealed class KustomizeTests
{
    [Fact]
    public async Task Kustomize_base_renders_objects_that_match_the_hosts_code()
    {
        var objects = KubernetesObjects.Parse(await Kustomize.RenderAsync(RepoFiles.AksDirectory));

        Assert.Equal(["api", "silo", "webhook-consumer"], objects.OfKind("Deployment").Select(KubernetesObjects.Name).Order(StringComparer.Ordinal));
        Problems.AssertNone(await KubernetesChecks.CheckAsync(objects, validate: false));
    }

    [Fact]
    public async Task Kustomize_base_placeholders_stop_the_hosts_with_messages_naming_the_settings()
    {
        var objects = KubernetesObjects.Parse(await Kustomize.RenderAsync(RepoFiles.AksDirectory));

        var problems = await KubernetesChecks.CheckAsync(objects, validate: true);

        Assert.Contains(problems, p => p.Contains("Webhook:Url", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Webhook:Secret", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Api:AdminToken", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Production_overlay_with_the_example_secrets_passes_every_hosts_validation()
    {
        var overlay = RepoFiles.ProductionOverlayCopy();
        try
        {
            var objects = KubernetesObjects.Parse(await Kustomize.RenderAsync(overlay));

            Problems.AssertNone(await KubernetesChecks.CheckAsync(objects, validate: true));
            Assert.All(objects.OfKind("Deployment"), d => Assert.StartsWith("myregistry.azurecr.io/jetstream/",
                d.At("spec/template/spec").List("containers")[0].Str("image"), StringComparison.Ordinal));
            Assert.DoesNotContain(KubernetesObjects.Entries(objects.Find("Secret", "jetstream-secrets")!).Values, v => v == "REPLACE_ME");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(overlay))!, recursive: true);
        }
    }
}
