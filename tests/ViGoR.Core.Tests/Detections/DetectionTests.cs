namespace ViGoR.Core.Tests.Detections;

public class DetectionTests
{
    private static readonly BoundingBox Box = new(1, 2, 3, 4);

    [Fact]
    public void Without_queries_a_detection_supports_its_query_alone_or_nothing()
    {
        Assert.Equal(["cat"], new Detection("cat", "cat", 0.5f, Box).Queries);
        Assert.Empty(new Detection(".", null, 0.5f, Box).Queries);
    }

    [Fact]
    public void Queries_must_start_with_query_and_hold_no_null()
    {
        Assert.Equal(["person", "man"], new Detection("man", "person", 0.5f, Box) { Queries = ["person", "man"] }.Queries);
        Assert.Empty(new Detection(".", null, 0.5f, Box) { Queries = [] }.Queries);
        Assert.Throws<ArgumentException>(() => new Detection("man", "person", 0.5f, Box) { Queries = ["man", "person"] });
        Assert.Throws<ArgumentException>(() => new Detection("man", "person", 0.5f, Box) { Queries = [] });
        Assert.Throws<ArgumentException>(() => new Detection(".", null, 0.5f, Box) { Queries = ["man"] });
        Assert.Throws<ArgumentException>(() => new Detection("man", "man", 0.5f, Box) { Queries = ["man", null!] });
    }

    [Fact]
    public void Queries_are_copied_and_compared_by_content()
    {
        var list = new List<string> { "person", "man" };
        var a = new Detection("man", "person", 0.5f, Box) { Queries = list };
        list.Add("woman");

        Assert.Equal(["person", "man"], a.Queries);
        var b = new Detection("man", "person", 0.5f, Box) { Queries = ["person", "man"] };
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, new Detection("man", "person", 0.5f, Box));
        Assert.Equal(new Detection("cat", "cat", 0.5f, Box), new Detection("cat", "cat", 0.5f, Box) { Queries = ["cat"] });
        Assert.Contains("Queries = [person, man]", a.ToString(), StringComparison.Ordinal);
    }
}
