use super::*;
use alloc::vec;

#[test]
fn combinations_enumerate_all_subsets() {
    let mut subset = vec![0, 1];
    let mut all = vec![subset.clone()];
    while next_combination(&mut subset, 4) {
        all.push(subset.clone());
    }
    assert_eq!(
        all,
        vec![
            vec![0, 1],
            vec![0, 2],
            vec![0, 3],
            vec![1, 2],
            vec![1, 3],
            vec![2, 3]
        ]
    );
}
