<?php
/**
 * Removes the plugin's settings (and with them the Balas token) and its pending reports to Balas
 * when the plugin is deleted. The number and consent kept on orders stay: they are the store's
 * record of what each customer agreed to.
 *
 * @package Balas_WhatsApp
 */

defined( 'ABSPATH' ) || exit;
defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'balas_whatsapp_settings' );
wp_unschedule_hook( 'balas_whatsapp_report_consent' );
