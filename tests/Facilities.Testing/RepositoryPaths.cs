namespace Facilities.Testing;

public static class RepositoryPaths
{
    /// <summary>The repository root: the nearest folder above the test binaries that holds Facilities.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>tests/data: the real public datasets the tests import, each folder with its SOURCE.md and licence.</summary>
    public static string TestData => Path.Combine(Root, "tests", "data");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Facilities.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Facilities.sln not found above " + AppContext.BaseDirectory);
    }
}
