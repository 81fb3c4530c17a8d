//! The versioned price table used by cost rules. (Skeleton: filled in with EBS prices.)

/// Monthly on-demand prices in USD.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {}
