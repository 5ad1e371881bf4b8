// The verbs draw Spectre.Console progress displays on the one process-wide console, and Spectre
// refuses two live displays at once: test classes that run verbs must not overlap.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
