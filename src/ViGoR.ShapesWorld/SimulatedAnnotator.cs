using System.Globalization;
using System.Text.RegularExpressions;

namespace ViGoR.ShapesWorld;

/// <summary>
/// A simulated human annotator for ShapesWorld: reads each sentence of a description as a statement
/// about the scene and labels it from the ground truth, as the paper's annotators label LLaVA's
/// sentences (Yan et al., Sec. 3.1): an object that is not there is an object hallucination; a wrong
/// colour, size or count is an attribute error; a wrong left/right/above/below is a relationship
/// error; a sentence that cannot be read as a statement about the scene is an unreasonable
/// conjecture. With probability <c>noise</c> the annotator gets a sentence wrong (a correct one gets a
/// random error kind, a wrong one is passed as correct), as real annotators disagree.
/// </summary>
public static partial class SimulatedAnnotator
{
    private static readonly SentenceErrorKind[] ErrorKinds =
        [SentenceErrorKind.ObjectHallucination, SentenceErrorKind.Attribute, SentenceErrorKind.Relationship, SentenceErrorKind.UnreasonableConjecture];

    /// <summary>Labels every sentence of <paramref name="description"/> (one annotation line in the format of docs/annotations.md).</summary>
    public static AnnotatedDescription Annotate(string id, Scene scene, string prompt, string description, double noise, Random random)
    {
        var sentences = new List<AnnotatedSentence>();
        foreach (Match m in SentencePattern().Matches(description))
        {
            var truth = Judge(m.Value, scene);
            if (random.NextDouble() < noise)
            {
                truth = truth == SentenceErrorKind.None ? ErrorKinds[random.Next(ErrorKinds.Length)] : SentenceErrorKind.None;
            }

            sentences.Add(new AnnotatedSentence(m.Index, m.Index + m.Length, truth == SentenceErrorKind.None ? [] : [truth], Creative: false));
        }

        return new AnnotatedDescription(id, scene.FileName, prompt, description, sentences);
    }

    /// <summary>The true label of one sentence of the ShapesWorld grammar ("There is a small red kite.", "There are two cups.", "The cup is to the left of the clock.").</summary>
    public static SentenceErrorKind Judge(string sentence, Scene scene)
    {
        var text = sentence.Trim();
        var relation = RelationPattern().Match(text);
        if (relation.Success)
        {
            var a = KindOf(relation.Groups["a"].Value);
            var b = KindOf(relation.Groups["b"].Value);
            if (a is null || b is null)
            {
                return SentenceErrorKind.UnreasonableConjecture;
            }

            var first = scene.Objects.FirstOrDefault(o => o.Kind == a);
            var second = scene.Objects.FirstOrDefault(o => o.Kind == b);
            if (first is null || second is null)
            {
                return SentenceErrorKind.ObjectHallucination;
            }

            // Any pair of instances in the stated relation makes it true (the reference uses the first of each).
            var stated = relation.Groups["rel"].Value;
            return scene.Objects.Where(o => o.Kind == a).Any(x => scene.Objects.Where(o => o.Kind == b).Any(y => !ReferenceEquals(x, y) && ShapesWorldGenerator.Relation(x, y) == stated))
                ? SentenceErrorKind.None
                : SentenceErrorKind.Relationship;
        }

        var existence = ExistencePattern().Match(text);
        if (!existence.Success)
        {
            return SentenceErrorKind.UnreasonableConjecture;
        }

        int count = existence.Groups["count"].Success ? Count(existence.Groups["count"].Value) : 1;
        var rest = existence.Groups["rest"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        string? size = rest.Count > 1 && rest[0] is "large" or "small" ? rest[0] : null;
        if (size is not null)
        {
            rest.RemoveAt(0);
        }

        string? colour = null;
        if (rest.Count > 1 && ShapesWorldKinds.Palette.ContainsKey(rest[0]))
        {
            colour = rest[0];
            rest.RemoveAt(0);
        }

        var kind = KindOf(string.Join(' ', rest));
        if (kind is null || count < 1)
        {
            return SentenceErrorKind.UnreasonableConjecture;
        }

        var instances = scene.Objects.Where(o => o.Kind == kind).ToList();
        if (instances.Count == 0)
        {
            return SentenceErrorKind.ObjectHallucination;
        }

        bool wrongCount = instances.Count != count;
        bool wrongColour = colour is not null && instances.Any(o => o.Colour != colour);
        bool wrongSize = size is not null && instances.Any(o => o.Large != (size == "large"));
        return wrongCount || wrongColour || wrongSize ? SentenceErrorKind.Attribute : SentenceErrorKind.None;
    }

    private static ObjectKind? KindOf(string words) =>
        ShapesWorldKinds.All.FirstOrDefault(k => k.Word == words || k.Plural == words);

    private static int Count(string word) => word switch
    {
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        _ => int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1,
    };

    // A sentence: up to and including its full stop (or the end of the text), without leading spaces.
    [GeneratedRegex(@"[^\s][^.]*(\.|$)")]
    private static partial Regex SentencePattern();

    [GeneratedRegex(@"^The (?<a>[a-z ]+?) is (?<rel>to the left of|to the right of|above|below) the (?<b>[a-z ]+)\.?$")]
    private static partial Regex RelationPattern();

    [GeneratedRegex(@"^There (?:is an?|are (?<count>[a-z0-9]+)) (?<rest>[a-z ]+)\.?$")]
    private static partial Regex ExistencePattern();
}
