using Jetstream.Atproto.Syntax;

namespace Jetstream.Atproto.Tests.Syntax;

public sealed class SyntaxFixtureTests
{
    [Theory]
    [InlineData("did")]
    [InlineData("nsid")]
    [InlineData("recordkey")]
    [InlineData("tid")]
    public void Valid_fixtures_parse_and_invalid_ones_are_refused(string kind)
    {
        Func<string, bool> parse = kind switch
        {
            "did" => s => Did.TryParse(s, out _),
            "nsid" => s => Nsid.TryParse(s, out _),
            "recordkey" => s => RecordKey.TryParse(s, out _),
            _ => s => Tid.TryParse(s, out _),
        };
        var valid = Fixture.Lines($"syntax/{kind}_syntax_valid.txt").ToList();
        var invalid = Fixture.Lines($"syntax/{kind}_syntax_invalid.txt").ToList();
        Assert.NotEmpty(valid);
        Assert.NotEmpty(invalid);
        Assert.Equal(Array.Empty<string>(), valid.Where(s => !parse(s)).ToArray());
        Assert.Equal(Array.Empty<string>(), invalid.Where(parse).ToArray());
    }

    [Fact]
    public void Parse_names_the_bad_value()
    {
        var error = Assert.Throws<AtprotoException>(() => Nsid.Parse("not an nsid"));
        Assert.Contains("'not an nsid' is not a valid NSID", error.Message);
    }
}
