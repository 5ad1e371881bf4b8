namespace ViGoR.Core.Tests.Annotations;

/// <summary>Small hand-checked annotation lines shared by the annotation tests.</summary>
internal static class AnnotationSamples
{
    /// <summary>Three sentences (0..25, 26..49, 50..80 of an 80-character text): correct, object hallucination, creative conjecture.</summary>
    public const string Dog = """{"id":"d1","image":"dog.jpg","prompt":"Describe the image.","description":"A dog sits on a red sofa. A cat sleeps beside it. The owner is probably at work.","sentences":[{"start":0,"end":25,"errors":[]},{"start":26,"end":49,"errors":["object_hallucination"],"creative":false},{"start":50,"end":80,"errors":["conjecture"],"creative":true}],"detail":4,"missing":["lamp"]}""";

    /// <summary>One correct, creative sentence; detail 4.</summary>
    public const string Sky = """{"id":"d2","image":"sky.jpg","prompt":"Describe the image.","description":"A clear blue sky.","sentences":[{"start":0,"end":17,"errors":[],"creative":true}],"detail":4}""";

    /// <summary>Two sentences (0..37, 38..56): attribute and location errors, then correct; no detail, null optionals.</summary>
    public const string Bike = """{"id":"d3","image":"bike.jpg","prompt":"What is happening?","description":"A man rides a green bike on the left. The road is empty.","sentences":[{"start":0,"end":37,"errors":["attribute","location"]},{"start":38,"end":56,"errors":[],"creative":null}],"detail":null,"missing":null}""";

    public static string All => string.Join('\n', Dog, Sky, Bike) + "\n";
}

/// <summary>Sentences compared by value: records compare their error lists by reference.</summary>
internal static class SentenceKeys
{
    public static IEnumerable<string> Of(IEnumerable<AnnotatedSentence> sentences) =>
        sentences.Select(s => $"{s.Start}-{s.End} [{string.Join(',', s.Errors)}]{(s.Creative ? " creative" : string.Empty)}");
}
