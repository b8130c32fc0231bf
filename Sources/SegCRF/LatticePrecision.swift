/// How `DenseCRF` stores the lattice values of kernels that filter several channels (three or more
/// labels).
public enum LatticePrecision: String, Sendable, CaseIterable {
    /// `Float16` rows (and kernel inputs): half the memory traffic of the splat, blur and slice, for
    /// a rounding to 11 significant bits after the splat and after each axis of the blur. The
    /// arithmetic stays in `Float`; probabilities stay within about 1e-3 of `float`'s.
    case half
    /// `Float` rows: pydensecrf's arithmetic, up to float rounding.
    case float
}
