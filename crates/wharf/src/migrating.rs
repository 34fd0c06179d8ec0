#![doc = include_str!("migrating.md")]

#[cfg(test)]
mod tests {
    /// Every wharf cell of the table is a line of the compiled example.
    #[test]
    fn every_row_is_in_the_compiled_example() {
        let page = include_str!("migrating.md");
        let (table, example) = page.split_once("```no_run").unwrap();
        let mut rows = 0;
        for line in table
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| call"))
        {
            let cells: Vec<&str> = line.split(" | ").collect();
            let Some(wharf) = cells.last() else { continue };
            let wharf = wharf.trim_end_matches(" |").trim();
            if wharf.starts_with("---") {
                continue;
            }
            let code = wharf.trim_matches('`');
            assert!(example.contains(code), "not compiled: {code}");
            rows += 1;
        }
        assert!(rows >= 45, "{rows} rows");
    }
}
