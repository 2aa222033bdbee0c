//! Who holds which role, read by other modules inside their own transaction, so that a check
//! ("is this worker in the holding department?") and the write it guards see the same rows.

use super::grants_from;
use crate::authz::Grant;
use crate::store::accounts;
use crate::{IdentityApp, Result};
use store::Tx;

impl IdentityApp {
    /// The roles an account holds, read in the caller's transaction.
    pub async fn grants_within(&self, tx: &mut Tx, account_id: &str) -> Result<Vec<Grant>> {
        Ok(grants_from(accounts::roles(&mut *tx, account_id).await?))
    }

    /// The ids of the active staff of a jurisdiction who hold `role`, read in the caller's
    /// transaction.
    pub async fn staff_with_role_within(
        &self,
        tx: &mut Tx,
        jurisdiction_id: &str,
        role: &str,
    ) -> Result<Vec<String>> {
        Ok(accounts::staff_with_role(&mut *tx, jurisdiction_id, role).await?)
    }
}
