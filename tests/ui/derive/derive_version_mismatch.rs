// What a derive of another version (0.2 here) emits first, against this
// runtime (0.1): the message names both versions and the fix.
const _: () = <asyncgate_config::__version::DeriveVersion<0, 2>
    as asyncgate_config::__version::MatchesRuntime>::OK;

fn main() {}
