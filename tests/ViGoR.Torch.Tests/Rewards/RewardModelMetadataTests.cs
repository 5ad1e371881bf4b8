using ViGoR.Torch.Rewards;

namespace ViGoR.Torch.Tests.Rewards;

public sealed class RewardModelMetadataTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vigor-reward-meta-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void MetadataRoundTripsTheSchemeKindAndTemplate()
    {
        var template = "Is this description accurate?\n{description}";
        RewardModelMetadata.For(RewardLabelScheme.Categorical, RewardModelMetadata.Holistic, template).Save(_directory);

        var loaded = RewardModelMetadata.Load(_directory)!;
        Assert.Equal(RewardModelMetadata.Holistic, loaded.Kind);
        Assert.True(loaded.IsHolistic);
        Assert.Equal(template, loaded.PromptTemplate);
        Assert.Equal(new RewardLabel(-1, "object_hallucination", false), loaded.Labels["3"]);
        Assert.Equal(new RewardLabel(2, null, true), loaded.Labels["2"]);
        Assert.Equal(RewardLabelScheme.Categorical.Labels, loaded.ToScheme().Labels);
        Assert.Contains("\"prompt_template\"", File.ReadAllText(Path.Combine(_directory, RewardModelMetadata.FileName)), StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderWithoutMetadataHasNone() => Assert.Null(RewardModelMetadata.Load(_directory));

    [Theory]
    [InlineData("""{"prompt_template": "{description}", "labels": {"1": {"score": 1}}}""", "'kind'")]
    [InlineData("""{"kind": "sentence", "prompt_template": "{description}", "labels": {"1": {"score": 1}}}""", "'kind'")]
    [InlineData("""{"kind": "holistic", "prompt_template": "no placeholder", "labels": {"1": {"score": 1}}}""", "'prompt_template'")]
    [InlineData("""{"kind": "holistic", "prompt_template": "{description}", "labels": {"1": {"score": "high"}}}""", "'labels.1.score'")]
    [InlineData("""{"kind": "holistic", "prompt_template": "{description}", "labels": {"3": {"score": -1, "error": "hallucination"}}}""", "'labels.3.error'")]
    [InlineData("""{"kind": "holistic", "prompt_template": "{description}", "labels": {"1": {"score": 1, "creative": "yes"}}}""", "'labels.1.creative'")]
    [InlineData("""{"kind": "holistic", "prompt_template": "{description}", "labels": {"a": {"score": 1}}}""", "'labels'")]
    [InlineData("""{"kind": "holistic", "prompt_template": "{description}", "labels": {}}""", "'labels'")]
    [InlineData("""{"kind": "holistic", """, "invalid JSON")]
    public void MalformedMetadataNamesTheFileAndTheField(string json, string field)
    {
        File.WriteAllText(Path.Combine(_directory, RewardModelMetadata.FileName), json);
        var error = Assert.Throws<InvalidDataException>(() => RewardModelMetadata.Load(_directory));
        Assert.Contains(RewardModelMetadata.FileName, error.Message, StringComparison.Ordinal);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }
}
