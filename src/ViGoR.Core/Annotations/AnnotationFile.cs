namespace ViGoR;

/// <summary>What <see cref="Annotations.Read"/> and <see cref="Annotations.Parse"/> found in a file.</summary>
/// <param name="Descriptions">The valid lines, in file order.</param>
/// <param name="Problems">
/// Every problem of the invalid lines, in file order; empty unless invalid lines were skipped.
/// </param>
public sealed record AnnotationFile(IReadOnlyList<AnnotatedDescription> Descriptions, IReadOnlyList<AnnotationProblem> Problems);
