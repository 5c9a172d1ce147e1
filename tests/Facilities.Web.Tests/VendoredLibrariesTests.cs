using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Facilities.Testing;

namespace Facilities.Web.Tests;

/// <summary>
/// wwwroot/lib is committed rather than restored at build time, so these tests stand in for <c>libman restore</c>:
/// each destination must hold exactly the files libman.json declares, of the version it names, byte for byte
/// as recorded in wwwroot/lib/README.md. A missing, stray or hand-edited vendored file fails here.
/// </summary>
public sealed partial class VendoredLibrariesTests
{
    private static readonly string ProjectDirectory = Path.Combine(RepositoryPaths.Root, "src", "Facilities.Api");
    private static readonly string ManifestPath = Path.Combine(ProjectDirectory, "libman.json");
    private static readonly string LibDirectory = Path.Combine(ProjectDirectory, "wwwroot", "lib");
    private static readonly string ReadmePath = Path.Combine(LibDirectory, "README.md");

    // A manifest feature this test does not model (fileMappings, a library without a files list) must fail
    // loudly instead of being skipped, so unknown properties and missing required ones are errors.
    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    [Fact]
    public void Every_file_libman_json_declares_is_vendored_and_not_empty()
    {
        var problems = new List<string>();
        foreach (var library in LoadLibraries())
        {
            foreach (var file in library.Files)
            {
                var path = library.PathOf(file);
                if (!File.Exists(path))
                {
                    problems.Add($"{library.Id}: {file} is declared but not at {path}");
                }
                else if (new FileInfo(path).Length == 0)
                {
                    problems.Add($"{library.Id}: {file} is empty");
                }
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void Vendored_destinations_hold_no_file_libman_json_does_not_declare()
    {
        var problems = new List<string>();
        foreach (var library in LoadLibraries())
        {
            if (!Directory.Exists(library.Destination))
            {
                continue;
            }

            var declared = library.Files.Select(library.PathOf).ToHashSet(StringComparer.Ordinal);
            problems.AddRange(Directory.EnumerateFiles(library.Destination, "*", SearchOption.AllDirectories)
                .Select(Path.GetFullPath)
                .Where(path => !declared.Contains(path))
                .Select(path => $"{library.Id}: {Path.GetRelativePath(library.Destination, path)} is not declared in libman.json"));
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void Vendored_scripts_carry_the_banner_of_the_version_libman_json_names()
    {
        var checkedScripts = new List<string>();
        var problems = new List<string>();
        foreach (var library in LoadLibraries())
        {
            // Banners name the library, then the version: "Leaflet 1.9.4", "jQuery v3.7.1".
            var banner = new Regex(
                $@"\b{Regex.Escape(library.Name)}\W+v?{Regex.Escape(library.Version)}(?![\w.])",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

            foreach (var file in library.Files.Where(f => f.EndsWith(".js", StringComparison.OrdinalIgnoreCase)))
            {
                var path = library.PathOf(file);
                if (!File.Exists(path))
                {
                    problems.Add($"{library.Id}: {file} is missing");
                    continue;
                }

                checkedScripts.Add(file);
                var leadingComment = LeadingComment().Match(File.ReadAllText(path));
                if (!leadingComment.Success)
                {
                    // Builds without a banner (Workbox's) are checked by the package.json vendored beside them.
                    if (PackageOf(library) != (library.Name, library.Version))
                    {
                        problems.Add($"{library.Id}: {file} does not start with a banner comment, and no vendored package.json names {library.Name} {library.Version}");
                    }
                }
                else if (!banner.IsMatch(leadingComment.Groups["text"].Value))
                {
                    problems.Add($"{library.Id}: the banner of {file} does not name {library.Name} {library.Version}: {leadingComment.Value.Trim()}");
                }
            }
        }

        Assert.Empty(problems);
        Assert.NotEmpty(checkedScripts);
    }

    [Fact]
    public void Vendored_files_match_the_sha256_sums_recorded_in_lib_readme()
    {
        var recorded = new List<string>();
        foreach (var line in File.ReadLines(ReadmePath))
        {
            var sum = RecordedSum().Match(line);
            if (sum.Success)
            {
                var path = Path.GetFullPath(Path.Combine(LibDirectory, sum.Groups["path"].Value));
                recorded.Add($"{sum.Groups["sha"].Value}  {RelativeToLib(path)}");
            }
        }

        var actual = new List<string>();
        foreach (var library in LoadLibraries())
        {
            foreach (var path in library.Files.Select(library.PathOf))
            {
                actual.Add($"{(File.Exists(path) ? Sha256Of(path) : "(missing)")}  {RelativeToLib(path)}");
            }
        }

        // Compared as whole lists, so a sum for a file no longer declared fails as well as a changed file.
        Assert.Equal(recorded.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }

    private static List<VendoredLibrary> LoadLibraries()
    {
        var manifest = JsonSerializer.Deserialize<LibManManifest>(File.ReadAllText(ManifestPath), ManifestJson)
            ?? throw new InvalidDataException($"{ManifestPath} is empty");
        Assert.NotEmpty(manifest.Libraries);

        return manifest.Libraries.Select(entry =>
        {
            // "name@version"; a scoped npm name starts with '@' too, so the version follows the last one.
            var at = entry.Library.LastIndexOf('@');
            Assert.True(at > 0, $"{entry.Library} in libman.json does not pin a version (name@version)");

            var destination = entry.Destination ?? manifest.DefaultDestination;
            Assert.True(destination is not null, $"{entry.Library} in libman.json has no destination");
            Assert.True(entry.Files.Count > 0, $"{entry.Library} in libman.json lists no files, which means the whole package");
            Assert.All(entry.Files, file => Assert.True(
                file.IndexOfAny(['*', '?', '[', '{']) < 0,
                $"{entry.Library}: '{file}' is a glob; list vendored files one by one so this test can check them"));

            var name = entry.Library[..at];
            return new VendoredLibrary(
                Id: entry.Library,
                Name: name[(name.LastIndexOf('/') + 1)..],
                Version: entry.Library[(at + 1)..],
                Destination: Path.GetFullPath(Path.Combine(ProjectDirectory, destination)),
                Files: entry.Files);
        }).ToList();
    }

    /// <summary>The name and version in the library's vendored package.json, when it declares one.</summary>
    private static (string? Name, string? Version)? PackageOf(VendoredLibrary library)
    {
        if (!library.Files.Contains("package.json"))
        {
            return null;
        }
        using var package = JsonDocument.Parse(File.ReadAllText(library.PathOf("package.json")));
        return (package.RootElement.GetProperty("name").GetString(), package.RootElement.GetProperty("version").GetString());
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string RelativeToLib(string path) => Path.GetRelativePath(LibDirectory, path).Replace('\\', '/');

    /// <summary>A line as <c>sha256sum</c> prints it: 64 hex digits, a space, a space or '*', the path.</summary>
    [GeneratedRegex(@"^(?<sha>[0-9a-f]{64}) [ *](?<path>\S.*?)\s*$")]
    private static partial Regex RecordedSum();

    [GeneratedRegex(@"\A\uFEFF?\s*/\*(?<text>.*?)\*/", RegexOptions.Singleline)]
    private static partial Regex LeadingComment();

    // Parameters with a default are optional in libman.json; those without are required.
    private sealed record LibManManifest(
        string Version,
        IReadOnlyList<LibManLibrary> Libraries,
        string? DefaultProvider = null,
        string? DefaultDestination = null);

    private sealed record LibManLibrary(
        string Library,
        IReadOnlyList<string> Files,
        string? Provider = null,
        string? Destination = null);

    private sealed record VendoredLibrary(string Id, string Name, string Version, string Destination, IReadOnlyList<string> Files)
    {
        public string PathOf(string file) => Path.GetFullPath(Path.Combine(Destination, file));
    }
}
